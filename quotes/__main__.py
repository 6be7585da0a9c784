from quotes.cli import cli

# The guard keeps worker processes (started afresh, see quotes.workers) from running the CLI
# again when they import the main module.
if __name__ == "__main__":
    cli(prog_name="quotes")
