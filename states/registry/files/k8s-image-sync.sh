#!/bin/sh
# Managed by Salt (registry.images): copies the cluster's images into the
# private registry {{ prefix }} (log in first: docker login {{ prefix.split('/')[0] }}).
set -eu
{%- for image in images %}

docker pull {{ image.source }}
docker tag {{ image.source }} {{ prefix }}/{{ image.name }}
docker push {{ prefix }}/{{ image.name }}
{%- endfor %}
