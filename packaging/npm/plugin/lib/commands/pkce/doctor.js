import { PkceCommand } from '../../pkce.js';

export default class PkceDoctor extends PkceCommand {
  static subcommand = 'doctor';
  static summary = "Check which sources this login can read (no app data is read).";
  static description =
    "Runs `pkce-audit doctor --instance-url <the org URL>` with the access token of -o/--target-org from the sf CLI login, in SF_ACCESS_TOKEN only. Flags the plugin does not know pass through to pkce-audit doctor (see `pkce-audit doctor --help`); put them after the known flags, or after `--`. With --json, the result is pkce-audit's JSON document and the exit status is pkce-audit's.";
  static examples = ['<%= config.bin %> <%= command.id %> --target-org myorg'];
}
