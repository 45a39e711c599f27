import { PkceCommand } from '../../pkce.js';

export default class PkceFetch extends PkceCommand {
  static subcommand = 'fetch';
  static summary = "Read the org and write a snapshot folder that `pkce-audit audit --source` reads offline.";
  static description =
    "Runs `pkce-audit fetch --instance-url <the org URL>` with the access token of -o/--target-org from the sf CLI login, in SF_ACCESS_TOKEN only. Flags the plugin does not know pass through to pkce-audit fetch (see `pkce-audit fetch --help`); put them after the known flags, or after `--`. With --json, the result is pkce-audit's JSON document and the exit status is pkce-audit's.";
  static examples = ['<%= config.bin %> <%= command.id %> --target-org myorg --out snapshot'];
}
