#!/bin/sh
echo "{{ greeting }}, {{ who }}"
