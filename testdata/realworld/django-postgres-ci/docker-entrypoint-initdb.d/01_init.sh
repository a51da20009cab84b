#!/bin/sh
echo "initial database ready"
