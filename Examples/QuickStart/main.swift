import HyperLearn
print("HyperLearn quick start")
