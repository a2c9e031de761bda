from carecircle.cli import main

main()
