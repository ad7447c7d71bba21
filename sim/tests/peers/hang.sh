#!/usr/bin/env bash
# A fake implementation that stops answering after its first prompt: the
# checker must give up after its timeout and kill it, never hang itself.
printf 'qemu-io> '
read -r line
exec tail -f /dev/null
