/**
 * A test that fails before closing its server would leave worker threads and sockets open and jest waiting
 * for them: close whatever is still open once the file's tests are done.
 */
import { openServers } from './helpers';

afterAll(async () => {
  await Promise.all([...openServers].map((app) => app.close()));
});
