import VigieCore
import VigieMail
import VigieStore
