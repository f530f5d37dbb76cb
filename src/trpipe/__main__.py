from trpipe.cli import main

main()
