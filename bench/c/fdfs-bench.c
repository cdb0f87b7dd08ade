// SPDX-License-Identifier: MIT
//
// fdfs-bench: upload or download ops/s of FastDFS's own C client library (libfdfsclient), the
// yardstick bench/fdfs-client.bench.mjs holds fastdfs-client-ts to. Our code; it only links the
// installed FastDFS client library and libfastcommon.
//
//   fdfs-bench (--tracker HOST:PORT | --conf client.conf) --op upload|download --size BYTES
//              --concurrency THREADS --seconds S [--file-ids PATH] [--files N]
//
// Each thread does what fastdfs-client-ts does per operation, on pooled keep-alive connections
// (use_connection_pool = true, as an application using the C client would run it):
//   upload:   tracker QUERY_STORE (101) + storage UPLOAD_FILE (11)
//   download: tracker QUERY_FETCH_ONE (102) + storage DOWNLOAD_FILE (14), whole file into a buffer
// Every thread first does one untimed operation (connections open, the server sees the client),
// then all start together and each starts operations until the deadline; `seconds` runs from the
// common start to the end of the last operation. Prints one JSON line: {"ops":N,"seconds":S}.
//
// Uploaded files (timed ones and warm-ups) are deleted after the timed part, untimed. Downloads
// cycle over the ids in --file-ids (one per line, each of exactly --size bytes); without it the
// driver uploads --files files (default 64) first and deletes them after, untimed.
// Timeouts: connect 5 s, network 30 s (libfdfsclient applies them to every call).
// Exit status: 0, or 1 with a message on stderr if any operation failed (a failed run has no rate),
// or 130 after SIGINT/SIGTERM, which stop the run early and still delete its files.
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastcommon/logger.h"
#include "fdfs_client.h"

#define FILE_ID_SIZE 128
#define MAX_THREADS 1024
#define MAX_FILE_IDS (1 << 18) // per list (32 MiB): bounds memory if a run is far longer or faster than planned
#define MAX_CONF_BYTES (1 << 20)
#define CLEANUP_THREADS 16 // deletes run this wide whatever the concurrency, to keep the untimed part short

typedef struct {
  char (*ids)[FILE_ID_SIZE];
  size_t count;
  size_t capacity;
} FileIds;

typedef struct {
  int index;
  long ops;
  int error;
  const char *failed; // what failed, for the message
  FileIds uploaded;   // this thread's uploads, deleted after the timed part
} Worker;

static FileIds garbage;       // every upload of the run, deleted at the end
static atomic_long next_garbage;

static struct {
  int upload; // else download
  int size;
  int concurrency;
  double seconds;
  char *body;
  FileIds downloads;
} bench;

static pthread_barrier_t warmed_up;
static pthread_barrier_t started;
static double start_time;
static double deadline;
static atomic_int stop; // set when any operation fails, or on SIGINT/SIGTERM: the threads stop early
static volatile sig_atomic_t interrupted;

// SIGINT/SIGTERM: no new operations, delete what was uploaded, exit 130. A second signal kills.
static void on_signal(int signal) {
  (void)signal;
  interrupted = 1;
  atomic_store(&stop, 1);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *message) {
  fprintf(stderr, "fdfs-bench: %s\n", message);
  exit(1);
}

static int push_id(FileIds *list, const char *id) {
  if (list->count == list->capacity) {
    size_t capacity = list->capacity == 0 ? 256 : list->capacity * 2;
    if (capacity > MAX_FILE_IDS) return E2BIG;
    void *grown = realloc(list->ids, capacity * FILE_ID_SIZE);
    if (grown == NULL) return ENOMEM;
    list->ids = grown;
    list->capacity = capacity;
  }
  snprintf(list->ids[list->count++], FILE_ID_SIZE, "%s", id);
  return 0;
}

// A pooled connection to the storage a tracker query named.
static ConnectionInfo *storage_for(ConnectionInfo *address, int *result) {
  ConnectionInfo *storage = tracker_make_connection(address, result);
  if (storage == NULL && *result == 0) *result = ECONNREFUSED;
  return storage;
}

// Closes both pooled connections; after a failure they are dropped, not reused.
static void release(ConnectionInfo *tracker, ConnectionInfo *storage, int result) {
  if (storage != NULL) tracker_close_connection_ex(storage, result != 0);
  tracker_close_connection_ex(tracker, result != 0);
}

static int upload_one(char *file_id) {
  int result = 0;
  int path_index = 0;
  char group[FDFS_GROUP_NAME_MAX_LEN + 1] = "";
  ConnectionInfo address;
  ConnectionInfo *storage = NULL;
  ConnectionInfo *tracker = tracker_get_connection();
  if (tracker == NULL) return ENOTCONN; // libfdfsclient logged why
  result = tracker_query_storage_store(tracker, &address, group, &path_index);
  if (result == 0 && (storage = storage_for(&address, &result)) != NULL) {
    result = storage_upload_by_filebuff1(tracker, storage, path_index, bench.body, bench.size, "bin", NULL, 0, group,
                                         file_id);
  }
  release(tracker, storage, result);
  return result;
}

static int download_one(const char *file_id) {
  int result = 0;
  char *content = NULL;
  int64_t length = 0;
  ConnectionInfo address;
  ConnectionInfo *storage = NULL;
  ConnectionInfo *tracker = tracker_get_connection();
  if (tracker == NULL) return ENOTCONN; // libfdfsclient logged why
  result = tracker_query_storage_fetch1(tracker, &address, file_id);
  if (result == 0 && (storage = storage_for(&address, &result)) != NULL) {
    result = storage_download_file_to_buff1(tracker, storage, file_id, &content, &length);
    if (result == 0 && length != bench.size) result = EPROTO;
  }
  free(content);
  release(tracker, storage, result);
  return result;
}

static int delete_one(const char *file_id) {
  int result = 0;
  ConnectionInfo address;
  ConnectionInfo *storage = NULL;
  ConnectionInfo *tracker = tracker_get_connection();
  if (tracker == NULL) return ENOTCONN; // libfdfsclient logged why
  result = tracker_query_storage_update1(tracker, &address, file_id);
  if (result == 0 && (storage = storage_for(&address, &result)) != NULL) {
    result = storage_delete_file1(tracker, storage, file_id);
  }
  release(tracker, storage, result);
  return result;
}

static void fail(Worker *w, int result, const char *what) {
  if (w->error == 0) {
    w->error = result;
    w->failed = what;
  }
  atomic_store(&stop, 1);
}

// One operation; `n` picks the file a download reads. 0, or the error (already recorded in `w`).
static int operate(Worker *w, long n, const char *what) {
  int result;
  if (!bench.upload) {
    result = download_one(bench.downloads.ids[n % (long)bench.downloads.count]);
  } else {
    char file_id[FILE_ID_SIZE];
    result = upload_one(file_id);
    if (result == 0 && (result = push_id(&w->uploaded, file_id)) != 0) {
      what = "keeping the list of uploads to delete (too many for one run: shorten --seconds)";
    }
  }
  if (result != 0) fail(w, result, what);
  return result;
}

static void *work(void *arg) {
  Worker *w = arg;
  // Threads start at different files so that downloads do not all read the same one.
  long n = (long)w->index * 7;
  operate(w, n++, "warm-up");
  if (pthread_barrier_wait(&warmed_up) == PTHREAD_BARRIER_SERIAL_THREAD) {
    start_time = now();
    deadline = start_time + bench.seconds;
  }
  pthread_barrier_wait(&started);
  while (!atomic_load(&stop) && now() < deadline) {
    if (operate(w, n++, bench.upload ? "upload" : "download") != 0) break;
    w->ops++;
  }
  return NULL;
}

// A clean-up thread: deletes files of `garbage` until none is left.
static void *delete_garbage(void *arg) {
  Worker *w = arg;
  for (long i; (i = atomic_fetch_add(&next_garbage, 1)) < (long)garbage.count;) {
    int result = delete_one(garbage.ids[i]);
    if (result != 0 && w->error == 0) {
      w->error = result;
      w->failed = "delete";
    }
  }
  return NULL;
}

// Runs `fn` on `count` workers, each in its own thread, and waits for all.
static void run_threads(Worker *workers, int count, void *(*fn)(void *)) {
  pthread_t threads[MAX_THREADS];
  for (int i = 0; i < count; i++) {
    if (pthread_create(&threads[i], NULL, fn, &workers[i]) != 0) die("pthread_create failed");
  }
  for (int i = 0; i < count; i++) pthread_join(threads[i], NULL);
}

// The first error recorded in `workers`, or 0; `failed` says what failed.
static int first_error(const Worker *workers, int count, const char **failed) {
  for (int i = 0; i < count; i++) {
    if (workers[i].error != 0) {
      *failed = workers[i].failed;
      return workers[i].error;
    }
  }
  return 0;
}

// A client conf: the tracker address given, or the file given with the connection pool turned on
// (threads may not share libfdfsclient's unpooled tracker connection).
static char *client_conf(const char *tracker, const char *conf_path) {
  char *conf = malloc(MAX_CONF_BYTES + 256);
  if (conf == NULL) die("out of memory");
  size_t length = 0;
  if (tracker != NULL) {
    length = (size_t)snprintf(conf, 256, "tracker_server = %s\nconnect_timeout = 5\nnetwork_timeout = 30\n", tracker);
  } else {
    FILE *f = fopen(conf_path, "r");
    if (f == NULL) die("cannot read the --conf file");
    char line[4096];
    while (fgets(line, sizeof line, f) != NULL) {
      if (strstr(line, "use_connection_pool") != NULL) continue;
      size_t n = strlen(line);
      if (length + n > MAX_CONF_BYTES) die("the --conf file is over 1 MiB");
      memcpy(conf + length, line, n);
      length += n;
    }
    fclose(f);
    if (length > 0 && conf[length - 1] != '\n') conf[length++] = '\n';
  }
  snprintf(conf + length, 256, "use_connection_pool = true\nconnection_pool_max_idle_time = 3600\n");
  return conf;
}

static void read_ids(const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL) die("cannot read the --file-ids file");
  char line[FILE_ID_SIZE + 2];
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] != '\0' && push_id(&bench.downloads, line) != 0) die("too many file ids");
  }
  fclose(f);
  if (bench.downloads.count == 0) die("the --file-ids file holds no ids");
}

static void usage(void) {
  die("usage: fdfs-bench (--tracker HOST:PORT | --conf client.conf) --op upload|download --size BYTES "
      "--concurrency THREADS --seconds S [--file-ids PATH] [--files N]");
}

static long number(const char *text, long min, long max) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || end == text || value < min || value > max) usage();
  return value;
}

int main(int argc, char **argv) {
  const char *tracker = NULL, *conf_path = NULL, *op = NULL, *ids_path = NULL;
  long files = 64;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) usage();
    const char *key = argv[i], *value = argv[i + 1];
    if (strcmp(key, "--tracker") == 0 && strlen(value) < 200) tracker = value;
    else if (strcmp(key, "--conf") == 0) conf_path = value;
    else if (strcmp(key, "--op") == 0) op = value;
    else if (strcmp(key, "--size") == 0) bench.size = (int)number(value, 1, 1L << 30);
    else if (strcmp(key, "--concurrency") == 0) bench.concurrency = (int)number(value, 1, MAX_THREADS);
    else if (strcmp(key, "--seconds") == 0) {
      char *end;
      bench.seconds = strtod(value, &end);
      if (*end != '\0' || !(bench.seconds > 0 && bench.seconds <= 3600)) usage();
    } else if (strcmp(key, "--file-ids") == 0) ids_path = value;
    else if (strcmp(key, "--files") == 0) files = number(value, 1, 100000);
    else usage();
  }
  if ((tracker == NULL) == (conf_path == NULL) || op == NULL || bench.size == 0 || bench.concurrency == 0 ||
      bench.seconds == 0)
    usage();
  if (strcmp(op, "upload") == 0) bench.upload = 1;
  else if (strcmp(op, "download") != 0) usage();

  struct sigaction action = {.sa_handler = on_signal, .sa_flags = SA_RESETHAND};
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);
  log_init();
  g_log_context.log_level = LOG_WARNING;
  char *conf = client_conf(tracker, conf_path);
  int init = fdfs_client_init_from_buffer(conf);
  free(conf);
  if (init != 0) die("fdfs_client_init failed (see the message above)");

  bench.body = malloc((size_t)bench.size);
  if (bench.body == NULL) die("out of memory");
  for (int i = 0; i < bench.size; i++) bench.body[i] = (char)rand();

  // Download without ids: upload our own set first, untimed, and delete it at the end.
  FileIds own = {0};
  const char *failed = NULL;
  int error = 0;
  if (!bench.upload && ids_path != NULL) read_ids(ids_path);
  for (long i = 0; !bench.upload && ids_path == NULL && i < files && error == 0 && !interrupted; i++) {
    char file_id[FILE_ID_SIZE];
    if ((error = upload_one(file_id)) != 0 || (error = push_id(&own, file_id)) != 0) {
      failed = "uploading the download set";
    }
  }
  if (!bench.upload && ids_path == NULL) bench.downloads = own;

  Worker *workers = calloc((size_t)bench.concurrency, sizeof(Worker));
  if (workers == NULL) die("out of memory");
  double elapsed = 0;
  if (error == 0) {
    for (int i = 0; i < bench.concurrency; i++) workers[i].index = i;
    pthread_barrier_init(&warmed_up, NULL, (unsigned)bench.concurrency);
    pthread_barrier_init(&started, NULL, (unsigned)bench.concurrency);
    run_threads(workers, bench.concurrency, work);
    elapsed = now() - start_time;
    error = first_error(workers, bench.concurrency, &failed);
  }
  long ops = 0;
  for (int i = 0; i < bench.concurrency; i++) ops += workers[i].ops;

  // Clean up even after a failure, so that a failed run leaves no files behind.
  garbage.capacity = own.count;
  for (int i = 0; i < bench.concurrency; i++) garbage.capacity += workers[i].uploaded.count;
  garbage.ids = malloc((garbage.capacity + 1) * FILE_ID_SIZE);
  if (garbage.ids == NULL) die("out of memory");
  for (int i = 0; i <= bench.concurrency; i++) {
    const FileIds *list = i < bench.concurrency ? &workers[i].uploaded : &own;
    if (list->count == 0) continue;
    memcpy(garbage.ids[garbage.count], list->ids, list->count * FILE_ID_SIZE);
    garbage.count += list->count;
  }
  Worker cleaners[CLEANUP_THREADS] = {0};
  run_threads(cleaners, CLEANUP_THREADS, delete_garbage);
  if (error == 0) error = first_error(cleaners, CLEANUP_THREADS, &failed);
  fdfs_client_destroy();
  if (interrupted) {
    fprintf(stderr, "fdfs-bench: interrupted; the files it uploaded are deleted\n");
    return 130;
  }
  if (error != 0) {
    fprintf(stderr, "fdfs-bench: %s failed: %s (%d)\n", failed, STRERROR(error), error);
    return 1;
  }
  printf("{\"ops\":%ld,\"seconds\":%.6f}\n", ops, elapsed);
  return 0;
}
