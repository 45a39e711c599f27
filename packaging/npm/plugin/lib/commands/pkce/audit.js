import { PkceCommand } from '../../pkce.js';

export default class PkceAudit extends PkceCommand {
  static subcommand = 'audit';
  static summary = "Audit the org's OAuth apps: the verdict on requiring PKCE and the blockers.";
  static description =
    "Runs `pkce-audit audit --instance-url <the org URL>` with the access token of -o/--target-org from the sf CLI login, in SF_ACCESS_TOKEN only. Flags the plugin does not know pass through to pkce-audit audit (see `pkce-audit audit --help`); put them after the known flags, or after `--`. With --json, the result is pkce-audit's JSON document and the exit status is pkce-audit's.";
  static examples = ['<%= config.bin %> <%= command.id %> --target-org myorg', '<%= config.bin %> <%= command.id %> --target-org myorg --json', '<%= config.bin %> <%= command.id %> --target-org myorg --format markdown --output plan.md'];
}
