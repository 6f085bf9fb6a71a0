from vcsedesk.cli import main

raise SystemExit(main())
