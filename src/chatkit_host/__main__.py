from chatkit_host.cli import main

main()
