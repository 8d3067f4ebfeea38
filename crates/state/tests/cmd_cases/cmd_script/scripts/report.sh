#!/bin/sh
echo "in $(pwd)"
echo "to stderr" >&2
