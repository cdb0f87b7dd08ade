{
  "targets": [
    {
      "target_name": "tcp_quickack",
      "sources": ["src/quickack.c"],
      "cflags": ["-Wall", "-Wextra"]
    }
  ]
}
