import { invalid } from '../status.js';
import type { Handler } from './handler.js';

/**
 * 111 ACTIVE_TEST, tracker and storage alike: an empty body, answered with an empty reply; a
 * body is EINVAL (tracker_deal_active_test, tracker_service.c 1665-1681; storage_deal_active_test,
 * storage_service.c 4732-4753). 82 QUIT has no handler: the request loop closes without a reply.
 */
export const activeTest: Handler = async (req) => {
  if (req.body.length !== 0) throw invalid(`cmd ${req.cmd} takes no body`);
  return {};
};
