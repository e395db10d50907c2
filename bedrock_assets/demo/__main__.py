from bedrock_assets.demo import main

main()
