#!/usr/bin/env bash
# A fake implementation that aborts on its first command (as a driver hitting
# an assertion would): the checker must report it, with the signal.
printf 'qemu-io> '
read -r line
echo "qemu-io: block/qcow2-zoned.c:123: assertion failed" >&2
kill -ABRT $$
