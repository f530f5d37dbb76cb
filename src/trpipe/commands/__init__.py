"""Commands of the command line kept out of ``trpipe.cli`` (serve, models); they only parse and call."""
