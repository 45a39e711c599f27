import { PkceCommand, description } from '../../pkce.js';

export default class PkceFetch extends PkceCommand {
  static subcommand = 'fetch';
  static description = description('fetch');
  static summary = "Read the org and write a snapshot folder that `pkce-audit audit --source` reads offline.";
  static examples = ['<%= config.bin %> <%= command.id %> --target-org myorg --out snapshot'];
}
