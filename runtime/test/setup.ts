/**
 * A test that fails before closing its server would leave worker threads and sockets open and jest waiting
 * for them: close whatever is still open once the file's tests are done.
 */
import { openServers } from './helpers';

// Process and shutdown tests start real servers; the project's testTimeout does not apply under the root config.
jest.setTimeout(60_000);

afterAll(async () => {
  await Promise.all([...openServers].map((app) => app.close()));
});
