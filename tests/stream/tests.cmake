# Stream layer: the real binary's compressed output checked by the standard tools,
# and the user-visible failures (corrupt input, existing output) losing nothing.
dw_integration_test(stream_x_compress stream/x_compress.sh TIMEOUT 120 LABELS stream)
