import { PkceCommand } from '../../pkce.js';

export default class PkceVerify extends PkceCommand {
  static subcommand = 'verify';
  static summary = "After step 2 or step 3 of requiring PKCE, check each app's logins since the change against its baseline.";
  static description =
    "Runs `pkce-audit verify --instance-url <the org URL>` with the access token of -o/--target-org from the sf CLI login, in SF_ACCESS_TOKEN only. Flags the plugin does not know pass through to pkce-audit verify (see `pkce-audit verify --help`); put them after the known flags, or after `--`. With --json, the result is pkce-audit's JSON document and the exit status is pkce-audit's.";
  static examples = ['<%= config.bin %> <%= command.id %> --target-org myorg --since 2026-01-31T09:00:00Z'];
}
