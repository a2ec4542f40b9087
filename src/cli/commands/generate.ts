import { msg } from '../../core/i18n';
import { EXIT, type CliCommand } from '../io';

// Placeholder until the generate feature lands; replaced by its owner.
export const generateCommand: CliCommand = {
  name: 'generate',
  summary: msg('cli.generate.summary'),
  usage: 'atb-migrate generate',
  async run(_argv, io) {
    io.err('atb-migrate generate: not implemented yet');
    return EXIT.refused;
  },
};
