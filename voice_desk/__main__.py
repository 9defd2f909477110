from voice_desk.cli import main

raise SystemExit(main())
