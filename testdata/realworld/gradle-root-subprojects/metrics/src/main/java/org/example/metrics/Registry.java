package org.example.metrics;

/** Holds the node's counters; served on /metrics when enabled. */
public class Registry {
  public long blocks;
}
