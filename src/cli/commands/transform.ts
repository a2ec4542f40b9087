import { msg } from '../../core/i18n';
import { EXIT, type CliCommand } from '../io';

// Placeholder until the transform feature lands; replaced by its owner.
export const transformCommand: CliCommand = {
  name: 'transform',
  summary: msg('cli.transform.summary'),
  usage: 'atb-migrate transform',
  async run(_argv, io) {
    io.err('atb-migrate transform: not implemented yet');
    return EXIT.refused;
  },
};
