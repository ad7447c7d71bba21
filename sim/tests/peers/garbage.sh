#!/usr/bin/env bash
# A fake implementation that answers every command with text no qemu-io
# prints: the checker must report the answer as unparseable, not guess.
printf 'qemu-io> '
while read -r line; do
  [ "$line" = quit ] && exit 0
  printf 'hello from a confused driver\nqemu-io> '
done
