/** FDFS_VERSION: the FastDFS release whose protocol this server speaks, as the storage reports it in LIST_STORAGE. */
export const FDFS_VERSION = '6.16.1';
