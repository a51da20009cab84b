import argparse


def main() -> None:
    """Print a greeting."""
    parser = argparse.ArgumentParser(prog="sample")
    parser.add_argument("name", nargs="?", default="world")
    args = parser.parse_args()
    print(f"hello, {args.name}")
