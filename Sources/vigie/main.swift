import VigieApp
print("vigie")
