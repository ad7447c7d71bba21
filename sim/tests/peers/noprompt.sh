#!/usr/bin/env bash
# A fake implementation that answers its first command correctly but never
# prints the next prompt and exits: the checker must see the end of the answer
# stream as a failure, not wait for a prompt that never comes.
printf 'qemu-io> '
read -r line
printf 'wrote 4096/4096 bytes at offset 262144\n'
exit 0
