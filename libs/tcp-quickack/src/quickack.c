// SPDX-License-Identifier: MIT
//
// TCP_QUICKACK for Node sockets, the one socket option a FastDFS-speaking server needs that
// Node does not expose. Linux delays the ACK of a small segment by 40 ms or more once a
// connection looks interactive ("pingpong" mode: the server answered the previous request).
// A client that writes a request in two parts with Nagle on (FastDFS's C client: header and
// fields, then the file) cannot send the second part before the first is ACKed, so every
// request waits for the delayed-ACK timer. Setting TCP_QUICKACK after each read leaves
// pingpong mode and sends the pending ACK at once; FastDFS's own servers do the same
// (TCP_SET_QUICK_ACK after every recv). The flag is not permanent: the kernel re-enters
// pingpong mode with the next reply, hence "after each read".
//
// Exports:
//   supported: boolean        TCP_QUICKACK exists on this platform (Linux)
//   setQuickAck(fd): number   setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, 1): 0, or the errno
//   getQuickAck(fd): number   getsockopt(fd, IPPROTO_TCP, TCP_QUICKACK): 1 (quick-ACK mode) or
//                             0 (delayed ACKs: pingpong mode), or -errno
// Neither throws on a socket error: a connection closing under the caller is not an error of
// the caller's. A non-integer fd is a TypeError.
#define NAPI_VERSION 8
#include <errno.h>
#include <node_api.h>

#if defined(__linux__)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

#if defined(__linux__) && defined(TCP_QUICKACK)
#define QUICKACK_SUPPORTED 1
#else
#define QUICKACK_SUPPORTED 0
#endif

// The call's single fd argument, or -1 with a pending TypeError.
static int fd_argument(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return -1;
  napi_valuetype type = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &type);
  int32_t fd = -1;
  if (type != napi_number || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "fd must be a non-negative integer");
    return -1;
  }
  return fd;
}

static napi_value int_value(napi_env env, int32_t n) {
  napi_value result = NULL;
  napi_create_int32(env, n, &result);
  return result;
}

static napi_value set_quick_ack(napi_env env, napi_callback_info info) {
  int fd = fd_argument(env, info);
  if (fd < 0) return NULL;
#if QUICKACK_SUPPORTED
  int on = 1;
  return int_value(env, setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on)) == 0 ? 0 : errno);
#else
  return int_value(env, ENOTSUP);
#endif
}

static napi_value get_quick_ack(napi_env env, napi_callback_info info) {
  int fd = fd_argument(env, info);
  if (fd < 0) return NULL;
#if QUICKACK_SUPPORTED
  int value = 0;
  socklen_t length = sizeof(value);
  if (getsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &value, &length) != 0) return int_value(env, -errno);
  return int_value(env, value != 0 ? 1 : 0);
#else
  return int_value(env, -ENOTSUP);
#endif
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value supported = NULL;
  napi_get_boolean(env, QUICKACK_SUPPORTED != 0, &supported);
  napi_property_descriptor properties[] = {
      {"supported", NULL, NULL, NULL, NULL, supported, napi_enumerable, NULL},
      {"setQuickAck", NULL, set_quick_ack, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getQuickAck", NULL, get_quick_ack, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties) != napi_ok) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
