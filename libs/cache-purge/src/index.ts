/** Purging deleted pictures from the caches in front of FastDFS (cs_del_svr, the front's purge forwarding). */
export { CachePurger, type CachePurgerOptions } from './cache-purger.js';
export { forEachLimited } from './for-each-limited.js';
