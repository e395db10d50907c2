"""bedrock_assets: call-center transcript summaries with Amazon Bedrock batch inference."""

__version__ = "0.1.0"
