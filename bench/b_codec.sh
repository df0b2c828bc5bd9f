#!/bin/sh
# MARS codec: Example 1 MARS_JOIN decodes per second beside the
# copy+checksum baseline measured in the same run (bench/codec.c).
: "${O:=build/rel}"
exec "$O/bench/codec" "${CODEC_SECONDS:-1}"
