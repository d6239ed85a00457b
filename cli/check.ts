import { runCheck } from './check-command';
import { exitQuietlyOnClosedPipe } from './output';

exitQuietlyOnClosedPipe(process.stdout);
process.exitCode = runCheck(process.argv.slice(2), process.stdout, process.stderr);
