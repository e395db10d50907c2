from bedrock_local.cli import main

main()
