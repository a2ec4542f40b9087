import { msg } from '../../core/i18n';
import { EXIT, type CliCommand } from '../io';

// Placeholder until the analyze feature lands; replaced by its owner.
export const analyzeCommand: CliCommand = {
  name: 'analyze',
  summary: msg('cli.analyze.summary'),
  usage: 'atb-migrate analyze',
  async run(_argv, io) {
    io.err('atb-migrate analyze: not implemented yet');
    return EXIT.refused;
  },
};
