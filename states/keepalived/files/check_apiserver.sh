#!/bin/sh
# Managed by Salt (keepalived): the vrrp_script. Fails when this master's
# apiserver does not answer (001: curl -k https://<ip>:6443), and, while this
# master holds the VIP, when the apiserver does not answer there either.
curl -sfk --max-time 2 -o /dev/null https://{{ node_ip }}:{{ port }}/healthz || exit 1
if ip -4 -o addr show | grep -q " {{ vip }}/"; then
    curl -sfk --max-time 2 -o /dev/null https://{{ vip }}:{{ port }}/healthz || exit 1
fi
exit 0
