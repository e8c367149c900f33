from benchmarks.corpus.run import main

main()
