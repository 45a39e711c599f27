import { PkceCommand, description } from '../../pkce.js';

export default class PkceAudit extends PkceCommand {
  static subcommand = 'audit';
  static description = description('audit');
  static summary = "Audit the org's OAuth apps: the verdict on requiring PKCE and the blockers.";
  static examples = ['<%= config.bin %> <%= command.id %> --target-org myorg', '<%= config.bin %> <%= command.id %> --target-org myorg --json', '<%= config.bin %> <%= command.id %> --target-org myorg --format markdown --output plan.md'];
}
