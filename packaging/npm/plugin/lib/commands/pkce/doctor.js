import { PkceCommand, description } from '../../pkce.js';

export default class PkceDoctor extends PkceCommand {
  static subcommand = 'doctor';
  static description = description('doctor');
  static summary = "Check which sources this login can read (no app data is read).";
  static examples = ['<%= config.bin %> <%= command.id %> --target-org myorg'];
}
