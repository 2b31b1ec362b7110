import 'reflect-metadata';
import { runSample } from './sample.bootstrap.js';

// The API is the point of the sample: only it may stop the process (a taken PORT, an unreachable DATABASE_URL).
runSample().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
