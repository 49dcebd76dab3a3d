#!/usr/bin/python3
"""Flat-plate check for the SST case: the SA case's check.py handles both
models (it reads the model from case.yaml and picks the TMR SST-V data).

usage: check.py [CASE_DIR] [SHARED_DIR]"""
import os
import runpy
import sys

here = os.path.dirname(os.path.abspath(__file__))
if len(sys.argv) < 2:
    sys.argv.append(here)
runpy.run_path(os.path.join(here, "../flatplate_sa/check.py"), run_name="__main__")
