package org.example.node;

/** Starts a ledger node from the command line. */
public final class Node {
  private Node() {}

  public static void main(final String... args) {
    System.out.println("node starting");
  }
}
