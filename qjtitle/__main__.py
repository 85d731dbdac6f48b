from qjtitle.cli import main

main()
