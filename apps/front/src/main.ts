/**
 * front: the one public HTTP port (upload.cgi, download.fcgi with its cache, purge, status).
 * Reads $PIC_CONF_DIR/front.conf (default ./conf); PIC_PORT runs another instance.
 */
import { runService } from '@pic-storage/service-process';
import { readFrontConfFile } from './conf.js';
import { startFront } from './front.js';

runService('front', async (logger) => startFront(readFrontConfFile(), logger));
