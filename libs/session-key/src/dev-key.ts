/**
 * The DES key the shipped confs use so that `npm start` works on a fresh checkout. It is public:
 * anyone can issue keys with it. Every service that falls back to it logs a warning; a deployment
 * sets PIC_SESSION_DES_KEY (or the conf's des_key) to the key its game servers use.
 */
export const DEV_DES_KEY = 'DEVONLY!';
