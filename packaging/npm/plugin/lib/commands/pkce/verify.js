import { PkceCommand, description } from '../../pkce.js';

export default class PkceVerify extends PkceCommand {
  static subcommand = 'verify';
  static description = description('verify');
  static summary = "After step 2 or step 3 of requiring PKCE, check each app's logins since the change against its baseline.";
  static examples = ['<%= config.bin %> <%= command.id %> --target-org myorg --since 2026-01-31T09:00:00Z'];
}
