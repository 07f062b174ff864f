from ciliumdrift.cli import main

main()
