import sys

from nv_one_logger.cli.main import main

sys.exit(main())
