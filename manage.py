#!/usr/bin/env python
from learningcity.__main__ import main

if __name__ == "__main__":
    main()
